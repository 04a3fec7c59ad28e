"""Campaigns: near-duplicate clustering of SMS contents and dialer scripts, with a template each.

``cluster_campaigns(texts)`` labels messages; ``analyze_campaigns(case, con)`` stores the
campaigns of a case with their accounts, signatures, holders and sends per day.
"""

from qinglian.detect.campaigns.cluster import Clustering, Params, cluster_campaigns, cluster_texts
from qinglian.detect.campaigns.metrics import adjusted_rand, inverse_purity, purity
from qinglian.detect.campaigns.store import CampaignSummary, analyze_campaigns, run_campaigns
from qinglian.detect.campaigns.template import SLOTS, mask_template

__all__ = [
    "SLOTS",
    "CampaignSummary",
    "Clustering",
    "Params",
    "adjusted_rand",
    "analyze_campaigns",
    "cluster_campaigns",
    "cluster_texts",
    "inverse_purity",
    "mask_template",
    "purity",
    "run_campaigns",
]
