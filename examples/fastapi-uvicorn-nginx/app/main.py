"""api.example.com: a FastAPI app served by uvicorn (../systemd/api.service) behind nginx."""
from fastapi import FastAPI, Request, WebSocket

app = FastAPI()


@app.get("/")
async def index(request: Request):
    # Absolute URLs come from the ASGI scope's scheme, which uvicorn sets from X-Forwarded-Proto.
    return {"self": str(request.url_for("index")), "ws": str(request.url_for("events"))}


@app.websocket("/ws/events")
async def events(websocket: WebSocket):
    await websocket.accept()
    await websocket.send_json({"scheme": websocket.url.scheme})
    await websocket.close()
