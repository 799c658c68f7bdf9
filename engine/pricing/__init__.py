"""pricing stage of the posbt engine."""
