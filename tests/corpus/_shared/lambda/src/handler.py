def handler(event, context):
    return {"status": "ok", "records": len(event.get("Records", []))}
