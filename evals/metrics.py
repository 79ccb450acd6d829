"""Plain metrics: precision/recall/F1 over sets, accuracy, hit@k and MRR."""

from __future__ import annotations

from pydantic import BaseModel


class PRF(BaseModel):
    """Precision, recall and F1 with the counts behind them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: bool, actual: bool) -> None:
        """Count one decision."""
        if predicted and actual:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif actual:
            self.fn += 1

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def summary(self) -> dict[str, float]:
        """Rounded figures for reports."""
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


def reciprocal_rank(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    """1/rank of the first relevant item within the top k, else 0."""
    for i, item in enumerate(ranked[:k], start=1):
        if item in relevant:
            return 1.0 / i
    return 0.0


def hit_at(ranked: list[str], relevant: set[str], k: int) -> bool:
    """Whether a relevant item is in the top k."""
    return any(item in relevant for item in ranked[:k])
