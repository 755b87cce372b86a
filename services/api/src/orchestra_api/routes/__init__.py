"""HTTP routes: parse, call an activity, answer. No business logic here."""
