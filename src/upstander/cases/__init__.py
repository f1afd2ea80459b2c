"""Cases: the misconduct process, its rules, clocks and timeline."""
