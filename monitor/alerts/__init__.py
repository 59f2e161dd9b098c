"""Alerts: which channels an article alerts (routing) and the channels that send them.

``plan_alerts`` runs in the store stage; ``build_channel`` gives the channel object for a
``[[channels]]`` entry; the delivery job is ``monitor/daemon/deliver.py``.
"""

from monitor.alerts.channels import build_channel
from monitor.alerts.routing import plan_alerts

__all__ = ["build_channel", "plan_alerts"]
