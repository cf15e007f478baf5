"""科研诚信 (research integrity): records of breaches, their graded measures, and 信用修复.

Bidding asks :func:`services.active_restriction` today; expert assignment and new projects ask
:func:`services.bars_expert_work` and :func:`services.bars_new_projects`.
"""
