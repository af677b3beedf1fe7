"""The interactive dashboard: a live model with policy levers and a results browser.

``flowsim dashboard`` serves :mod:`flowsim.dashboard.app` with Solara. The pure parts
(levers -> scenario, live tables, results browsing) live in their own modules and import
neither Solara nor Mesa's visualization, so they are tested without a browser.
"""
