"""Staff-association representatives: consent, and what a representative of a subject may see."""
