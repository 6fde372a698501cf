"""Engine: facts from a situation, working days, durable_rules deciding what fires, the resolver making one advice."""
