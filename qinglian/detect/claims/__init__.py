"""What intermediaries say about their own scale and money: volumes, prices per record, fee rates.

``extract.claims_in(text)`` finds the claims in one text; ``stage.analyze_claims`` runs it over a
case's free text and sets each daily volume beside the peak day the logs measured.
"""
