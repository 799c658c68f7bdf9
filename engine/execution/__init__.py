"""Execution stage: how an order becomes a price and what it costs.

After the strategy has decided (strategy stage) and before the simulation books the fill
(simulation stage). One small class per model, each behind one interface:

- ``fills``: ``PriceModel`` (CLOSE, MID, BID_ASK, NEXT_OPEN) picks the bar's price;
- ``slippage``: ``SlippageModel`` (POINTS, PERCENT, TICKS) moves it against the trader;
- ``quotes``: what a fill sees of a bar (``BarQuote``), the result (``FillPrice``) and the
  0.05 tick rounding;
- ``costs``: ``CostModel`` (India preset with date-ranged rates, CUSTOM, NONE);
- ``models``: the models a plan's ``FillSpec`` / ``CostSpec`` name, chosen by enum.
"""
