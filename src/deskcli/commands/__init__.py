"""One module per verb: read options, prompt when interactive, call core, render."""
