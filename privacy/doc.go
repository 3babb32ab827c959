// Package privacy holds the rules that keep people out of Wiretap's outputs
// who asked to be left out, and real identities out of outputs that are
// published pseudonymously: the opt-out list, keyed pseudonyms, the
// rewriting of mentions inside message text, and the small sets of author
// hashes that decide exactly whether a group is too small to be shown.
//
// It is pure: no I/O but the readers it is given, no global state, and it
// imports neither Arrow nor the engine, so the slash-command Lambda can
// compute a caller's pseudonym with it.
package privacy
