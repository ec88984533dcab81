# GAM production image: gunicorn for the web, the same image for Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=gam.settings.production
WORKDIR /app

COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
# collectstatic needs a SECRET_KEY to import production settings; it is not used at runtime.
RUN SECRET_KEY=collectstatic-only-not-secret python manage.py collectstatic --noinput

RUN useradd --create-home gam && chown -R gam /app
USER gam
EXPOSE 8000
CMD ["gunicorn", "gam.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
