"""Award (揭榜), publicity (公示), objections (异议) and 流榜: the end of 政府助题."""
