"""The service catalog (政务服务事项) and its Chinese search."""
