"""New-hire introductions and HR-triggered onboarding sequences."""
