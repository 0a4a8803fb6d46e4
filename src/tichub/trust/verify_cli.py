"""`tichub verify`: the verdict on a signed QR code, from its text or a photo, against a saved trust list.

No Django, no database, no network: this is what anyone runs offline. Exit status: 0 only for a genuine and
current code (valid signature, key allowed to sign it, not expired, trust list up to date); 1 for any other
verdict; 2 when nothing could be verified (unreadable trust list or image, wrong pinned fingerprint, no code).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Protocol

from .qr_image import ImageProblem, qr_texts
from .verify import (
    TrustList,
    TrustListError,
    Verdict,
    claims_in_words,
    day,
    group_fingerprint,
    load_trust_list,
    minute,
    verify_qr,
)

OK, NOT_GENUINE, CANNOT_VERIFY = 0, 1, 2


class Writer(Protocol):
    def write(self, text: str) -> object: ...


STATUS_ZH = {"active": "有效", "retired": "已停用（轮换）", "revoked": "已吊销"}


def _trust_lines(trust: TrustList) -> list[str]:
    lines = [
        f"信任列表 Trust list: {trust.issuer}, issued {minute(trust.issued_at)}, next update due "
        f"{day(trust.next_update)}; {len(trust.keys)} institution keys",
        f"平台根密钥指纹 Platform root key fingerprint (SHA-256): {group_fingerprint(trust.root_fingerprint)}",
    ]
    if trust.pinned:
        lines.append("  与指定指纹一致 Matches the pinned fingerprint.")
    else:
        lines.append(
            "  未固定：请与平台公布的指纹核对，然后用 --platform-key-fingerprint 固定。"
            "\n  Not pinned: compare it with the fingerprint the platform publishes, then pass "
            "--platform-key-fingerprint to pin it."
        )
    return lines


def verdict_lines(verdict: Verdict) -> list[str]:
    lines = [
        f"结论：{verdict.headline_zh}",
        f"Verdict: {verdict.headline_en}",
        verdict.message_zh,
        verdict.message_en,
    ]
    if verdict.trust_list_stale:
        lines += [verdict.stale_zh, verdict.stale_en]
    rows = claims_in_words(verdict)
    if rows:
        lines.append("")
        lines += [f"{zh} {en}: {value}" for zh, en, value in rows]
    if verdict.issued_at is not None:
        lines.append(f"签发时间 Issued: {minute(verdict.issued_at)}")
        lines.append(f"有效期至 Expires: {minute(verdict.expires_at) if verdict.expires_at else '— (no expiry)'}")
    if verdict.key is not None:
        key = verdict.key
        lines.append(
            f"签名密钥 Signing key: {key.kid} ({STATUS_ZH.get(key.status, key.status)} {key.status}; valid "
            f"{day(key.not_before)} – {day(key.not_after)})"
        )
    return lines


def run(
    *,
    text: str | None,
    trust_list_path: str,
    image_path: str | None = None,
    platform_key_fingerprint: str | None = None,
    now: dt.datetime | None = None,
    out: Writer,
) -> int:
    now = now or dt.datetime.now(dt.UTC)
    try:
        trust = load_trust_list(Path(trust_list_path).read_bytes(), platform_key_fingerprint=platform_key_fingerprint)
    except OSError as exc:
        out.write(f"无法读取信任列表 Cannot read the trust list: {exc.strerror or exc}\n")
        return CANNOT_VERIFY
    except TrustListError as exc:
        out.write(f"{exc.message_zh}\n{exc.message_en}\n")
        return CANNOT_VERIFY
    out.write("\n".join(_trust_lines(trust)) + "\n\n")
    if image_path:
        try:
            codes = qr_texts(Path(image_path).read_bytes())
        except OSError as exc:
            out.write(f"无法读取图片 Cannot read the image: {exc.strerror or exc}\n")
            return CANNOT_VERIFY
        except ImageProblem as exc:
            out.write(f"{exc.message_zh}\n{exc.message_en}\n")
            return CANNOT_VERIFY
    elif text:
        codes = [text]
    else:
        out.write("请给出二维码文本或 --image 图片。 Give the code's text or --image FILE.\n")
        return CANNOT_VERIFY
    results = []
    for index, code in enumerate(codes):
        if len(codes) > 1:
            out.write(f"--- 二维码 QR code {index + 1} / {len(codes)} ---\n")
        verdict = verify_qr(code, trust, now)
        results.append(verdict)
        out.write("\n".join(verdict_lines(verdict)) + "\n")
    return OK if all(v.ok for v in results) else NOT_GENUINE
