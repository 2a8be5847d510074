"""finsam: follow-up of FINSAM coordination associations' interventions."""
