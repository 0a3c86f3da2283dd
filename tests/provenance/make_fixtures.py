"""Write the provenance fixture files and the Python reader's answers.

    python tests/provenance/make_fixtures.py OUT_DIR

Every file is made here with the libraries' own writers (c2pa-python signs with a test CA
made by ``cryptography`` on the spot; Pillow writes PNG text, EXIF and XMP). The test CA is
written as the user's own anchor, ``OUT_DIR/trust/test-ca.pem``: ``expected.json`` holds the
answers with that trust folder (the CA's signatures are recognised), ``expected-no-trust.json``
those with none. The extension's tests compare its JavaScript reader with both. File names
are stable; contents (signatures, UUIDs) change from run to run.
"""

from __future__ import annotations

import datetime
import functools
import io
import json
import sys
import zlib
from pathlib import Path

from PIL import Image, PngImagePlugin
from PIL.TiffImagePlugin import IFDRational

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
SIZE = (64, 64)
TRUST_DIR = "trust"  # OUT_DIR/trust: the trust folder with the test CA as the user's anchor
TEST_CA = "test-ca.pem"
XMP_TEMPLATE = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
    '  <rdf:Description rdf:about=""\n'
    '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"{attr}>\n'
    "{body}"
    "  </rdf:Description>\n"
    " </rdf:RDF>\n"
    "</x:xmpmeta>\n"
    '<?xpacket end="w"?>'
)


# --- test certificates -------------------------------------------------------------------


@functools.cache
def make_signer():
    """A c2pa ES256 signer whose certificate a test CA issued, and that CA's certificate (PEM):
    made once per process, the key never saved."""
    import c2pa
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AI or Human tests"),
            ]
        )

    def usage(**on: bool) -> x509.KeyUsage:
        flags = [
            *("digital_signature", "content_commitment", "key_encipherment"),
            *("data_encipherment", "key_agreement", "key_cert_sign", "crl_sign"),
            *("encipher_only", "decipher_only"),
        ]
        return x509.KeyUsage(**{f: on.get(f, False) for f in flags})

    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    end = start + datetime.timedelta(days=3650)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("AI or Human test CA"))
        .issuer_name(name("AI or Human test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("AI or Human test signer"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = leaf.public_bytes(pem) + ca.public_bytes(pem)
    private = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, private, None)
    return c2pa.Signer.from_info(info), ca.public_bytes(pem)


# --- images --------------------------------------------------------------------------------


def pixels(seed: int = 0) -> Image.Image:
    """A small deterministic RGB image."""
    image = Image.new("RGB", SIZE)
    image.putdata(
        [
            ((x * 4 + seed) % 256, (y * 4) % 256, (x * y + 7 * seed) % 256)
            for y in range(64)
            for x in range(64)
        ]
    )
    return image


def jpeg(seed: int = 0, **save) -> bytes:
    out = io.BytesIO()
    pixels(seed).save(out, "JPEG", quality=90, **save)
    return out.getvalue()


def png(info: PngImagePlugin.PngInfo | None = None, seed: int = 0) -> bytes:
    out = io.BytesIO()
    pixels(seed).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    """One raw PNG chunk (length, type, body, CRC)."""
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return len(body).to_bytes(4, "big") + kind + body + crc.to_bytes(4, "big")


def with_chunks(data: bytes, *chunks: bytes) -> bytes:
    """A PNG with raw chunks inserted after IHDR."""
    return data[:33] + b"".join(chunks) + data[33:]


def xmp(source_type: str, element: bool = False) -> bytes:
    uri = IPTC + source_type
    if element:
        body = f"   <Iptc4xmpExt:DigitalSourceType>{uri}</Iptc4xmpExt:DigitalSourceType>\n"
        return XMP_TEMPLATE.format(attr="", body=body).encode()
    return XMP_TEMPLATE.format(
        attr=f'\n    Iptc4xmpExt:DigitalSourceType="{uri}"', body=""
    ).encode()


def camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS R6"
    exif[0x0132] = "2024:05:01 10:00:00"
    sub = exif.get_ifd(0x8769)
    sub[0x829A] = IFDRational(1, 250)
    sub[0x829D] = IFDRational(28, 10)
    sub[0x8827] = 400
    sub[0x9003] = "2024:05:01 10:00:00"
    sub[0x920A] = IFDRational(50, 1)
    sub[0xA434] = "RF50mm F1.8 STM"
    return exif


def software_exif(software: str) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0131] = software
    return exif


def user_comment_exif(text: str) -> Image.Exif:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + text.encode("utf-16-be")
    return exif


# --- C2PA ----------------------------------------------------------------------------------


def actions(*entries: dict) -> dict:
    return {"label": "c2pa.actions", "data": {"actions": list(entries)}}


def sign(signer, data: bytes, mime: str, generator: str, assertion: dict, parent=None) -> bytes:
    """``data`` with a C2PA manifest signed by ``signer``; ``parent`` is an ingredient."""
    import c2pa

    manifest = {
        "claim_generator_info": [{"name": generator, "version": "1.0"}],
        "title": "fixture",
        "assertions": [assertion],
    }
    settings = c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    builder = c2pa.Builder(manifest, c2pa.Context(settings))
    if parent is not None:
        builder.add_ingredient(
            {"title": "parent.jpg", "relationship": "parentOf", "label": "parent"},
            "image/jpeg",
            io.BytesIO(parent),
        )
    out = io.BytesIO()
    builder.sign(signer, mime, io.BytesIO(data), out)
    return out.getvalue()


def tamper(data: bytes) -> bytes:
    """Change bytes of the compressed pixels (after the first scan marker), not the manifest."""
    at = data.rfind(b"\xff\xda") + 40
    return data[:at] + bytes(b ^ 0x55 for b in data[at : at + 16]) + data[at + 16 :]


def corrupt_manifest(data: bytes) -> bytes:
    """Flip bytes inside the C2PA manifest store (the JUMBF in APP11)."""
    at = data.find(b"c2pa.signature")
    at = at if at > 0 else data.find(b"jumb") + 200
    return data[:at] + bytes(b ^ 0xFF for b in data[at : at + 8]) + data[at + 8 :]


def c2pa_fixtures() -> dict[str, bytes]:
    signer, _ = make_signer()
    created = {"action": "c2pa.created"}
    opened = {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}}
    edited = {"action": "c2pa.color_adjustments"}
    ai = sign(
        signer,
        jpeg(1),
        "image/jpeg",
        "Test AI generator",
        actions({**created, "digitalSourceType": IPTC + "trainedAlgorithmicMedia"}),
    )
    tampered_ai = tamper(ai)
    return {
        "c2pa_camera.jpg": sign(
            signer,
            jpeg(2, exif=camera_exif()),
            "image/jpeg",
            "Test Camera",
            actions({**created, "digitalSourceType": IPTC + "digitalCapture"}),
        ),
        "c2pa_ai.jpg": ai,
        "c2pa_composite.png": sign(
            signer,
            png(seed=3),
            "image/png",
            "Test AI editor",
            actions(
                {**created, "digitalSourceType": IPTC + "compositeWithTrainedAlgorithmicMedia"}
            ),
        ),
        "c2pa_ai_ingredient.jpg": sign(
            signer, jpeg(4), "image/jpeg", "Test editor", actions(opened, edited), parent=ai
        ),
        "c2pa_ai_tampered.jpg": tampered_ai,
        "c2pa_ai_ingredient_tampered.jpg": sign(
            signer,
            jpeg(5),
            "image/jpeg",
            "Test editor",
            actions(opened, edited),
            parent=tampered_ai,
        ),
        "c2pa_corrupt_manifest.jpg": corrupt_manifest(ai),
    }


# --- generator text, EXIF, XMP, malformed ----------------------------------------------------


def png_info(*items: tuple[str, str, str]) -> PngImagePlugin.PngInfo:
    """PngInfo with (chunk kind, keyword, text): kind ``tEXt``, ``zTXt`` or ``iTXt``."""
    info = PngImagePlugin.PngInfo()
    for kind, keyword, text in items:
        if kind == "iTXt":
            info.add_itxt(keyword, text)
        else:
            info.add_text(keyword, text, zip=kind == "zTXt")
    return info


SD_PARAMETERS = (
    "a watercolor fox in a misty forest\nNegative prompt: blurry\n"
    "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, Size: 64x64, Model: sd_xl_base_1.0"
)
COMFY_PROMPT = json.dumps(
    {"3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 7}}}
)
COMFY_WORKFLOW = json.dumps({"last_node_id": 9, "nodes": [{"id": 3, "type": "KSampler"}]})
INVOKE_METADATA = json.dumps(
    {"model_weights": "stable-diffusion-1.5", "app_id": "invoke-ai/InvokeAI", "image": {}}
)
NOVELAI_COMMENT = json.dumps(
    {"prompt": "a lighthouse at dusk", "steps": 28, "sampler": "k_euler", "uc": "lowres"}
)


def metadata_fixtures() -> dict[str, bytes]:
    plain_png = png(seed=6)
    return {
        "plain.jpg": jpeg(6),
        "plain.png": plain_png,
        "png_sd_webui.png": png(png_info(("tEXt", "parameters", SD_PARAMETERS))),
        "png_comfyui.png": png(
            png_info(("tEXt", "prompt", COMFY_PROMPT), ("iTXt", "workflow", COMFY_WORKFLOW))
        ),
        "png_invokeai.png": png(png_info(("tEXt", "sd-metadata", INVOKE_METADATA))),
        "png_invokeai_dream.png": png(
            png_info(("tEXt", "Dream", '"a castle" -s 50 -S 42 -W 64 -H 64 -C 7.5'))
        ),
        "png_novelai.png": png(
            png_info(
                ("tEXt", "Software", "NovelAI"),
                ("zTXt", "Comment", NOVELAI_COMMENT),
                ("tEXt", "Title", "AI generated image"),
            )
        ),
        "png_benign_text.png": png(
            png_info(("tEXt", "Title", "Holiday"), ("tEXt", "prompt", "not json at all"))
        ),
        "jpeg_exif_camera.jpg": jpeg(7, exif=camera_exif()),
        "jpeg_exif_software.jpg": jpeg(8, exif=software_exif("Midjourney v6")),
        "jpeg_exif_usercomment.jpg": jpeg(9, exif=user_comment_exif(SD_PARAMETERS)),
        "jpeg_xmp_ai.jpg": jpeg(10, xmp=xmp("trainedAlgorithmicMedia")),
        "jpeg_xmp_composite_element.jpg": jpeg(
            11, xmp=xmp("compositeWithTrainedAlgorithmicMedia", element=True)
        ),
        "jpeg_xmp_camera.jpg": jpeg(12, xmp=xmp("digitalCapture"), exif=camera_exif()),
        "webp_exif_xmp.webp": _webp(
            exif=software_exif("DALL-E 3"), xmp=xmp("trainedAlgorithmicMedia")
        ),
        # Malformed and oversized metadata: reported in "errors", never raised.
        "jpeg_exif_malformed.jpg": _malformed_exif(),
        "jpeg_truncated_segment.jpg": jpeg(13, exif=camera_exif())[:40],
        "png_text_malformed.png": with_chunks(
            plain_png,
            png_chunk(b"tEXt", b"no separator here"),
            png_chunk(b"zTXt", b"parameters\x00\x00not zlib data"),
        ),
        "png_text_bomb.png": with_chunks(
            plain_png,
            png_chunk(b"zTXt", b"parameters\x00\x00" + zlib.compress(b"Steps: 20 " * 300_000)),
        ),
        "png_xmp_oversized.png": with_chunks(
            plain_png,
            png_chunk(
                b"iTXt",
                b"XML:com.adobe.xmp\x00\x00\x00\x00\x00"
                + xmp("trainedAlgorithmicMedia").replace(
                    b"<x:xmpmeta", b" " * (1 << 20) + b"<x:xmpmeta"
                ),
            ),
        ),
    }


def _webp(exif: Image.Exif, xmp: bytes) -> bytes:
    out = io.BytesIO()
    pixels(14).save(out, "WEBP", quality=80, exif=exif, xmp=xmp)
    return out.getvalue()


def _malformed_exif() -> bytes:
    """A JPEG whose EXIF IFD0 claims entries beyond the end of the block."""
    tiff = b"II*\x00\x08\x00\x00\x00" + (400).to_bytes(2, "little") + b"\x0f\x01\x02\x00"
    segment = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + (len(segment) + 2).to_bytes(2, "big") + segment
    data = jpeg(15)
    return data[:2] + app1 + data[2:]


# --- entry points ----------------------------------------------------------------------------


def fixtures() -> dict[str, bytes]:
    """Every fixture file: {name: bytes}."""
    return {**c2pa_fixtures(), **metadata_fixtures()}


def write_fixtures(out: Path) -> dict[str, dict]:
    """Write every fixture into ``out``, the test CA as the user's own anchor in
    ``out/trust/test-ca.pem``, and the reader's answers: ``expected.json`` with that trust
    folder, ``expected-no-trust.json`` with none. Returns the objects of ``expected.json``."""
    from aiorhuman.provenance import NO_TRUST, load_trust, read_provenance

    out.mkdir(parents=True, exist_ok=True)
    files = fixtures()
    (out / TRUST_DIR).mkdir(exist_ok=True)
    (out / TRUST_DIR / TEST_CA).write_bytes(make_signer()[1])
    trust = load_trust(out / TRUST_DIR)
    expected, untrusted = {}, {}
    for name, data in sorted(files.items()):
        (out / name).write_bytes(data)
        expected[name] = read_provenance(data, trust=trust)
        untrusted[name] = read_provenance(data, trust=NO_TRUST)
    for file, answers in (("expected.json", expected), ("expected-no-trust.json", untrusted)):
        (out / file).write_text(json.dumps(answers, indent=2, ensure_ascii=False) + "\n")
    return expected


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python tests/provenance/make_fixtures.py OUT_DIR")
    expected = write_fixtures(Path(args[0]))
    print(f"{len(expected)} fixtures, expected.json and expected-no-trust.json in {args[0]}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main()
