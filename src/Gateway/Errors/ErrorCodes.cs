namespace MemoryPlatform.Gateway.Errors;

/// <summary>Every error code the API answers with, and the HTTP status each one goes with.</summary>
public static class ErrorCodes
{
    public const string InvalidJson = "invalid_json";            // 400
    public const string InvalidUtf8 = "invalid_utf8";            // 400
    public const string InvalidRequest = "invalid_request";      // 400
    public const string Unauthorized = "unauthorized";           // 401
    public const string Forbidden = "forbidden";                 // 403
    public const string QuotaExceeded = "quota_exceeded";        // 403
    public const string NotFound = "not_found";                  // 404
    public const string MethodNotAllowed = "method_not_allowed"; // 405
    public const string DocumentExists = "document_exists";      // 409
    public const string NotReady = "not_ready";                  // 409
    public const string PayloadTooLarge = "payload_too_large";   // 413
    public const string UnsupportedMediaType = "unsupported_media_type"; // 415
    public const string RateLimited = "rate_limited";            // 429
    public const string Overloaded = "overloaded";               // 429
    public const string Internal = "internal";                   // 500
    public const string Unavailable = "unavailable";             // 503
    public const string Timeout = "timeout";                     // 504
}
