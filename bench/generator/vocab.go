package generator

// vocabText is the neutral vocabulary, most frequent first: the Zipf rank of a
// word is its position. It is a hand-written list of common English and
// office words from which every word in the VADER sentiment lexicon (the one
// github.com/jonreiter/govader ships) was removed, so that the only words
// carrying sentiment in generated text are the planted ones (positiveWords,
// negativeWords). It must not contain the planted topic's words either.
const vocabText = `
the to and a of i is it you that in we
for on this be have are with just not but so do
can if at was will what me my get all about they
think out up one there or as from now know go your
would how need some time any here when our see an by
more make team today meeting did let its been still also which
should then going them were back could work check looks new day
something call tomorrow week build release thing same other us into had
after doing people last first update already soon because take over right
maybe way next use try client server data code test tests branch
merge review change changes issue ticket deploy deployment pipeline config file files
doc docs link slides deck customer customers account sales lead leads quote
contract price pricing budget plan roadmap sprint standup retro demo design mockup
screen page button form layout color font logo brand campaign email newsletter
launch event venue office desk room floor kitchen coffee lunch dinner train
flight hotel trip visa laptop monitor keyboard mouse charger cable printer wifi
network router vpn password login access permission role user users admin dashboard
report chart metric metrics numbers count total average rate percent revenue cost
invoice payment order orders product feature features version api endpoint request response
query database table column index schema cache queue worker job jobs cron
script service services cluster node nodes container image registry bucket storage disk
memory cpu latency traffic load log logs alerts incident oncall shift rota
schedule calendar agenda notes minutes summary draft final copy paste folder drive
sheet spreadsheet row cell formula field label tag status state step process
flow workflow task tasks board card lane backlog story points estimate scope
deadline date month quarter year morning afternoon evening night monday tuesday wednesday
thursday friday weekend vacation home remote hybrid commute bus tram bike car
parking street building reception visitor guest interview candidate hire hiring offer onboarding
training session workshop talk conference meetup partner vendor supplier contractor agency finance
payroll tax expense receipt sign signature policy handbook wiki section paragraph word
title header footer margin width height size photo video audio recording transcript
slide template theme style guide spec requirement requirements epic milestone goal target
kpi okr forecast region market segment channel territory quota deal stage close
closed open pending waiting done started finished merged reverted pushed pulled fetched
rebased deployed shipped tested checked reviewed signed sent received forwarded replied scheduled
moved renamed deleted added removed updated fixed changed cleaned bumped pinned tagged
labelled assigned unassigned mentioned asked told said wrote read saw heard found
kept left put set ran built made gave took brought bought paid
sold spent met called texted pinged emailed posted printed scanned uploaded downloaded
installed upgraded restarted rebooted synced exported imported parsed loaded stored cached indexed
queried filtered sorted grouped joined counted measured tracked logged monitored paged escalated
reopened triaged prioritized planned drafted outlined sketched prototyped wireframed estimated sized split
combined presented demoed walked explained documented noted listed linked attached quoted around
above below between before during until since while though although unless whether
either neither both each every few many much most several such own
another different various enough quite rather very really too only even almost
always never often sometimes usually again once twice later earlier yet anyway
instead otherwise meanwhile probably perhaps actually basically literally likely quickly slowly early
late fast slow high big small long short full old young previous
current main public private internal external local global central north south east
west bottom front inside outside upstairs downstairs nearby away he she him
her his their theirs ours mine yours hers who whom whose where
why whoever whatever anything everything nothing someone anyone everyone somebody nobody somewhere
anywhere everywhere nowhere two three four five six seven eight nine ten
twenty thirty hundred thousand million half third second able across add address
ago ahead air along among amount answer appear apply area arm arrive
art ask attention available base become begin behind believe bill black blue
body book box break bring brother brown business buy camera capital carry
case catch cause center century chair character charge city class cold college
come common community company compare computer condition consider continue control corner country
course cover cup dark daughter decide deep degree describe detail develop direction
discuss doctor dog door down draw eat edge effort else end enter
environment evidence exactly example expect experience explain eye face fact fall family
far father feel figure fill film find finger fish fly follow food
foot force game garden gas general girl glass grow guess hair hang
head hear heart heavy hold horse hot hour house idea imagine include
information item keep key kid king land language large law lay learn
least less letter level lie life light line list listen little live
look machine magazine mark material mean measure media middle might mind minute
mission model moment money mother mountain move movie music name nation nature
near nearly necessary news none note notice object officer oil operation option
organization paint pair paper parent part particular pass past pattern person phone
physical pick picture piece place plant player point position pound power practice
prepare present president program property provide pull purpose push question radio raise
range reason recent record red reflect remain remember rest result return rise
river road rock rule run scene school science sea season seat sell
send sense series serve shot shoulder show side simple sing sister sit
skill skin sky society son song sort sound source space speak specific
speech spend sport spring staff stand star start statement station stay stock
stone store strategy student study stuff subject teach teacher technology tell term
through throw tonight tool tree turn type understand unit upon view voice
wait walk wall watch water wear weather white whole wide wife wind
window woman wonder world write writer yard yellow`
