"""One page of a longer list: what every paged list in kb returns (search results, submissions,
notifications, users, feedback), and what the pagination links of every page read."""
from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1
