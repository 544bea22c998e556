# The portal's image: one image for web (gunicorn + whitenoise), worker and beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# WeasyPrint (attendance sheets, attestations) needs Pango; gettext compiles the catalogues.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install .
COPY . .
# collectstatic needs settings, not a secret: a throw-away key and var folder, not kept in the image.
RUN DEBUG=true PORTAL_VAR_DIR=/tmp/build-var \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    python manage.py collectstatic --noinput && rm -rf /tmp/build-var \
 && useradd --system --home /app portal && mkdir -p /app/var && chown -R portal /app/var
USER portal
# Production unless told otherwise: a bare `docker run` must not serve Django's debug pages
# on 0.0.0.0 (DEBUG=false also requires SECRET_KEY, DATABASE_URL, REDIS_URL, EMAIL_HOST, SITE_URL).
ENV DEBUG=false
EXPOSE 8000
CMD ["gunicorn", "referent_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
