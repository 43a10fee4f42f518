"""What the commands do, as functions that return data: a program at a point, values and
files, the session, a step, a descent, a gradient check, the chain rule path by path."""
