# GAM production image: gunicorn for the web, the same image for Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=gam.settings.production
WORKDIR /app

# Exactly the versions and files of the lock (make lock refreshes it), checked by hash.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
COPY . .
# collectstatic needs a SECRET_KEY to import production settings; it is not used at runtime.
RUN SECRET_KEY=collectstatic-only-not-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

RUN useradd --create-home gam && chown -R gam /app
USER gam
EXPOSE 8000
# The web answers /healthz when it can reach the database (the worker and beat containers
# override this in docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "gam.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
