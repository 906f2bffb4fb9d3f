"""Pictures of the pool's day (`usked admin schedule`): terminal text, and a self-contained
HTML page."""
