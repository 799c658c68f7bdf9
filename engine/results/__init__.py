"""results stage of the posbt engine."""
