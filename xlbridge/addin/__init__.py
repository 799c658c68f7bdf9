"""The ribbon add-in: customUI XML and VBA as text, and the script that builds posbt.xlam."""
