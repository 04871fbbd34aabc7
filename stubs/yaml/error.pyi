class Mark:
    name: str
    line: int
    column: int

class YAMLError(Exception): ...

class MarkedYAMLError(YAMLError):
    def __init__(
        self,
        context: str | None = None,
        context_mark: Mark | None = None,
        problem: str | None = None,
        problem_mark: Mark | None = None,
        note: str | None = None,
    ) -> None: ...
