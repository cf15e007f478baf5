"""Working days (工作日) for the publicity period (公示), with Chinese public holidays."""
