"""analytics stage of the posbt engine."""
