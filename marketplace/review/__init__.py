"""Review and award (政府助题): the expert pool (评审专家库), later panels, scoring and 公示."""
