"""Evaluations published for evaluators: the a-kasse experiment, the pilot, the risk model."""
