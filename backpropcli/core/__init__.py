"""The mathematics, with numpy only: the op table, the graph, the forward and backward
passes, the compiler for repeated evaluation, the optimizers, and the errors and limits
everything above shares."""
