"""`busybee cameras add|remove|list|broker-config|send`: a thin click layer over the registry, broker and commands."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path

import click

from gateway.cameras.broker import plan_for, render_config, write_broker_files
from gateway.cameras.errors import CameraError
from gateway.cameras.registry import add_camera, list_cameras, remove_camera
from gateway.cameras.topics import COMMANDS, Topics, make_command
from gateway.cli import AppContext, emit_json, pass_app


@click.group()
def cameras() -> None:
    """MQTT cameras: register boards, print their credentials, generate mosquitto's files."""


@cameras.command("add")
@click.argument("camera")
@click.option("--note", default="", help="Where the camera is (shown in `cameras list`).")
@click.option("--json", "as_json", is_flag=True, help="Print the credentials as one JSON object.")
@pass_app
def add(app: AppContext, camera: str, note: str, as_json: bool) -> None:
    """Register CAMERA and print the credentials to put on the board (shown only once)."""
    settings = app.settings
    try:
        new = add_camera(app.db(), camera, note=note)
    except CameraError as exc:
        raise click.ClickException(str(exc)) from exc
    topics = Topics(settings.gateway.id)
    info = {
        "camera": camera, "username": camera, "password": new.password, "gateway": settings.gateway.id,
        "broker_port": settings.mqtt.port, "frame_topic": topics.frame(camera), "status_topic": topics.status(camera),
        "availability_topic": topics.availability(camera), "cmd_topic": topics.cmd(camera),
        "max_frame_bytes": settings.cameras.max_frame_bytes,
    }
    if as_json:
        emit_json(info)
    else:
        click.echo(f"camera {camera} registered; put these on the board (the password is shown only once):")
        for key, value in info.items():
            click.echo(f"  {key:18} {value}")
    click.echo("then regenerate the broker files: busybee cameras broker-config --out DIR (and reload mosquitto)",
               err=True)


@cameras.command("remove")
@click.argument("camera")
@pass_app
def remove(app: AppContext, camera: str) -> None:
    """Forget CAMERA (regenerate the broker files afterwards to revoke its access)."""
    try:
        remove_camera(app.db(), camera)
    except CameraError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"camera {camera} removed; regenerate the broker files to revoke its broker access")


@cameras.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per camera.")
@pass_app
def list_(app: AppContext, as_json: bool) -> None:
    """Registered cameras and their topics."""
    topics = Topics(app.settings.gateway.id)
    rows = list_cameras(app.db())
    for cam in rows:
        if as_json:
            emit_json({"camera": cam.cam_id, "note": cam.note, "created_at": cam.created_at,
                       "frame_topic": topics.frame(cam.cam_id)})
        else:
            click.echo(f"{cam.cam_id:20} {topics.frame(cam.cam_id)}  {cam.note}")
    if not rows and not as_json:
        click.echo("no camera registered (busybee cameras add CAMERA)")


@cameras.command("broker-config")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write mosquitto.conf, passwd and acl into.")
@click.option("--install-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the files will live on the gateway (paths inside mosquitto.conf; default: --out).")
@click.option("--port", default=None, type=int, help="Listener port (default: [mqtt] port).")
@click.option("--bind", default="0.0.0.0", show_default=True, help="Listener address (the cameras are on the LAN).")
@click.option("--standalone", is_flag=True,
              help="A complete config (pid, log, no persistence) instead of a conf.d snippet.")
@click.option("--run-as", default=None, help="With --standalone: the `user` mosquitto runs as.")
@click.option("--tls-port", type=int, default=None, help="Add a TLS listener here (with --certfile, --keyfile).")
@click.option("--certfile", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--keyfile", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_app
def broker_config(app: AppContext, out: Path, install_dir: Path | None, port: int | None, bind: str,
                  standalone: bool, run_as: str | None, tls_port: int | None, certfile: Path | None,
                  keyfile: Path | None) -> None:
    """Write mosquitto's config, password file and ACL for the registered cameras."""
    settings = app.settings
    try:
        plan = plan_for(settings, [(c.cam_id, c.password_hash) for c in list_cameras(app.db())])
    except CameraError as exc:
        raise click.ClickException(str(exc)) from exc
    where = (install_dir or out).absolute()
    try:
        text = render_config(where, port=port or settings.mqtt.port, bind=bind,
                             max_packet_bytes=max(262_144, settings.cameras.max_frame_bytes * 4),
                             standalone=standalone,
                             run_as=run_as or (getpass.getuser() if standalone and os.getuid() == 0 else None),
                             tls_port=tls_port, certfile=certfile.absolute() if certfile else None,
                             keyfile=keyfile.absolute() if keyfile else None)
        files = write_broker_files(out, plan, config_text=text)
    except CameraError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps({"config": str(files.config), "passwd": str(files.passwd), "acl": str(files.acl),
                           "cameras": len(plan.cameras)}))


@cameras.command("send")
@click.argument("camera")
@click.argument("command", type=click.Choice(COMMANDS))
@click.argument("value", required=False)
@click.option("--wait", "wait", default=5.0, show_default=True, help="Seconds to wait for the camera's echo.")
@pass_app
def send(app: AppContext, camera: str, command: str, value: str | None, wait: float) -> None:
    """Send COMMAND (fps N, quality N, resolution NAME, snap) to CAMERA and print its status echo."""
    from gateway.cameras.oneshot import send_once

    try:
        status = send_once(app.settings, camera, make_command(command, value), timeout=wait)
    except CameraError as exc:
        raise click.ClickException(str(exc)) from exc
    if status is None:
        raise click.ClickException(f"sent; no status from {camera} confirmed it within {wait:g} s (offline?)")
    emit_json(status.model_dump(exclude_none=True))
