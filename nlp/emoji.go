package nlp

// slackEmojiValence returns the valence of Slack emoji codes on VADER's
// -4..+4 scale. Each emoji counts as one lexicon item, exactly like an
// emoticon in VADER, so negation, boosters and "but" apply to it.
//
// How the values were chosen: where a VADER emoticon or word carries the
// same meaning, the emoji takes that value, so scores stay comparable with
// plain-text VADER: smile = ":)" (2.0), joy/laughing = ":D" (2.3),
// heart = "<3" (1.9), kissing_heart = ":*" (2.5), wink = ";)" (0.9),
// frowning = ":(" (-1.9), cry = "cry" (-2.1), unamused/eye-roll ≈ ":/"
// (-1.4), neutral_face = ":|" (-0.4). The rest are set by analogy, and
// adjusted for how the emoji is used in workplace Slack rather than what it
// depicts:
//   - slightly_smiling_face is the polite default of work chat, so it is
//     half a smile (1.0), not a full one.
//   - upside_down_face mostly marks sarcasm or resignation ("great, prod is
//     down again 🙃"), so it is slightly negative (-0.5).
//   - +1, white_check_mark, ok_hand and eyes are acknowledgements; the
//     first three are mildly positive and eyes ("looking") is neutral and
//     therefore absent.
//   - fire is praise ("this PR is 🔥") as often as an incident, so it is
//     only mildly positive (1.0); rotating_light, x and warning mark
//     incidents and failures and are mildly negative.
//   - sob is used for comic despair as well as grief, so it stays below the
//     strongest negatives.
//
// Codes not listed here fall back to the VADER lexicon when the code is a
// word ("angry", "sad", "love"), and are otherwise neutral items.
func slackEmojiValence() map[string]float64 {
	return map[string]float64{
		// Joy and laughter.
		"smile": 2.0, "smiley": 2.0, "grinning": 2.0, "grin": 1.9, "blush": 2.0,
		"relaxed": 1.7, "slightly_smiling_face": 1.0, "innocent": 1.0, "wink": 0.9,
		"joy": 2.3, "laughing": 2.3, "satisfied": 2.3, "rolling_on_the_floor_laughing": 2.5,
		"sweat_smile": 0.8, "heart_eyes": 2.8, "star-struck": 2.6, "kissing_heart": 2.5,
		"hugging_face": 2.0, "hugs": 2.0, "sunglasses": 1.5, "smiling_face_with_3_hearts": 2.8,
		// Love and thanks.
		"heart": 1.9, "red_heart": 1.9, "blue_heart": 1.9, "green_heart": 1.9,
		"purple_heart": 1.9, "yellow_heart": 1.9, "orange_heart": 1.9, "sparkling_heart": 2.2,
		"two_hearts": 2.2, "pray": 1.2,
		// Approval and celebration.
		"+1": 1.5, "thumbsup": 1.5, "clap": 1.9, "raised_hands": 2.0, "muscle": 1.5,
		"ok_hand": 1.2, "white_check_mark": 0.8, "heavy_check_mark": 0.8, "100": 2.0,
		"tada": 2.5, "partying_face": 2.5, "confetti_ball": 2.2, "trophy": 2.0,
		"rocket": 1.5, "fire": 1.0, "sparkles": 1.5, "star": 1.5, "star2": 1.5,
		// Sadness, anger, frustration.
		"-1": -1.5, "thumbsdown": -1.5, "cry": -2.1, "sob": -2.6, "disappointed": -2.1,
		"pensive": -1.5, "worried": -1.5, "confused": -1.0, "slightly_frowning_face": -1.2,
		"white_frowning_face": -1.9, "frowning": -1.9, "frowning_face": -1.9,
		"rage": -2.6, "angry": -2.3, "face_with_symbols_on_mouth": -2.5,
		"broken_heart": -2.5, "unamused": -1.4, "face_with_rolling_eyes": -1.4,
		"eye_roll": -1.4, "rolling_eyes": -1.4, "upside_down_face": -0.5,
		"facepalm": -1.3, "face_palm": -1.3, "man-facepalming": -1.3, "woman-facepalming": -1.3,
		"neutral_face": -0.4, "expressionless": -0.4, "weary": -1.8, "tired_face": -1.8,
		"fearful": -1.8, "scream": -1.5, "grimacing": -0.9, "sweat": -0.8,
		"persevere": -1.5, "confounded": -1.5, "hankey": -1.0, "poop": -1.0,
		// Incidents and failures.
		"x": -1.0, "rotating_light": -0.8, "warning": -0.5,
	}
}
