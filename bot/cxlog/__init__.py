"""CX log pipeline: Rasa events → redaction → projector → CX log store (SQLAlchemy).

Fed in-process by :class:`bot.cxlog.broker.CXLogEventBroker` (default install) or by the RabbitMQ
consumer ``python -m bot cxlog consume`` (scale-out profile).
"""
