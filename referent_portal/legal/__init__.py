"""The pages the law asks of a public body's site: accessibility statement (RGAA), legal
notice (LCEN art. 6), personal data (RGPD art. 13–14). Public, linked from every footer."""
