"""``qinglian serve``: the workspace on one process (uvicorn), over a folder of cases."""

from __future__ import annotations

from pathlib import Path

from qinglian.errors import QinglianError


def serve(cases_dir: Path, host: str = "127.0.0.1", port: int = 8000, db_url: str | None = None,
          secure_cookies: bool = False) -> None:
    import uvicorn

    from qinglian.web.app import create_app

    if not Path(cases_dir).is_dir():
        raise QinglianError("案件文件夹不存在", "the cases folder does not exist", file=str(cases_dir),
                            hint_zh="用 --cases 指定存放案件的文件夹", hint_en="name the folder holding the cases with --cases")
    app = create_app(Path(cases_dir), db_url=db_url, secure_cookies=secure_cookies)
    print(f"清链工作台 / Qinglian workspace: http://{host}:{port}/  (Ctrl+C 停止 / to stop)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
