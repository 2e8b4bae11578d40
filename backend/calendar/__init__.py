"""The working-day calendar: public holidays and adjusted working days (调休)."""
