from ninja import Router

router = Router(tags=["marketplace"])
