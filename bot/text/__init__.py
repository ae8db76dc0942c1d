"""Vietnamese text handling: normalisation, diacritic folding, word tokenisation."""
