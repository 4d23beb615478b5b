using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace PromptLeo.Web.Features.Api;

/// <summary>
/// Reads request bodies by hand so every malformed or wrong-typed field becomes an OpenAI 400 naming the field,
/// and an oversize body a 413, instead of the framework's own error shapes.
/// </summary>
public static class ApiRequestBody
{
    public static async Task<JsonElement> ReadJsonAsync(HttpContext context, int maxBytes)
    {
        EnsureSize(context, maxBytes);
        if (context.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiException.Invalid(null, "The body must be JSON (Content-Type: application/json).");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await ReadBodyAsync(context, chunk)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }
            buffer.Write(chunk, 0, read);
        }
        try
        {
            using var doc = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 32 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw ApiException.Invalid(null, "The body must be a JSON object.");
            }
            EnsureValidText(doc.RootElement);
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw ApiException.Invalid(null, $"The body is not valid JSON: {ex.Message}", "invalid_json");
        }
    }

    // A body that ends before its declared length, or arrives too slowly, is the client's fault: 400/408, never 500.
    private static async ValueTask<int> ReadBodyAsync(HttpContext context, byte[] chunk)
    {
        try
        {
            return await context.Request.Body.ReadAsync(chunk, context.RequestAborted);
        }
        catch (IOException ex) when (ex is not BadHttpRequestException && !context.RequestAborted.IsCancellationRequested)
        {
            throw Truncated();
        }
    }

    // The parser accepts unpaired surrogate escapes ("\ud800") and invalid UTF-8 in strings; reading them later throws, so check once here.
    private static void EnsureValidText(JsonElement element)
    {
        try
        {
            Visit(element);
        }
        catch (InvalidOperationException)
        {
            throw ApiException.Invalid(null, "The body contains a string that is not valid Unicode (invalid UTF-8 or an unpaired surrogate escape).", "invalid_json");
        }

        static void Visit(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Visit(item);
                    }
                    break;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        Visit(property.Value);
                    }
                    break;
            }
        }
    }

    public static async Task<IFormCollection> ReadFormAsync(HttpContext context, int maxBytes)
    {
        EnsureSize(context, maxBytes);
        if (!context.Request.HasFormContentType)
        {
            throw ApiException.Invalid(null, "The body must be multipart/form-data.");
        }
        try
        {
            return await context.Request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = maxBytes, ValueLengthLimit = maxBytes }, context.RequestAborted);
        }
        catch (InvalidDataException ex) when (ex.Message.Contains("body length limit", StringComparison.OrdinalIgnoreCase))
        {
            throw TooLarge(maxBytes);
        }
        catch (InvalidDataException ex)
        {
            // The form reader's messages name the broken limit or boundary and carry no request data.
            throw ApiException.Invalid(null, $"The multipart body is malformed: {ex.Message}", "invalid_multipart");
        }
        catch (IOException ex) when (ex is not BadHttpRequestException && !context.RequestAborted.IsCancellationRequested)
        {
            throw Truncated();
        }
    }

    public static async Task<byte[]?> ReadFileAsync(IFormCollection form, string name)
    {
        var file = form.Files.GetFile(name);
        if (file is null)
        {
            return null;
        }
        using var stream = new MemoryStream();
        await file.CopyToAsync(stream);
        return stream.ToArray();
    }

    private static void EnsureSize(HttpContext context, int maxBytes)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }
    }

    private static ApiException TooLarge(int maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {maxBytes} bytes.", "invalid_request_error", null, "request_too_large");

    private static ApiException Truncated() =>
        ApiException.Invalid(null, "The request body ended before it was complete.", "incomplete_body");

    // Typed field readers: absent or null yields the default; a present value of the wrong type is a 400 naming the field.
    public static string? String(JsonElement body, string name) => Get(body, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } e => e.GetString(),
        _ => throw WrongType(name, "a string"),
    };

    public static string RequiredString(JsonElement body, string name) =>
        String(body, name) is { Length: > 0 } value ? value : throw ApiException.Invalid(name, $"'{name}' is required.", "missing_required_parameter");

    public static double? Number(JsonElement body, string name) => Get(body, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetDouble(out var v) => v,
        { ValueKind: JsonValueKind.Number } => throw ApiException.Invalid(name, $"'{name}' is out of range.", "invalid_value"),
        _ => throw WrongType(name, "a number"),
    };

    public static long? Integer(JsonElement body, string name) => Get(body, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetInt64(out var v) => v,
        { ValueKind: JsonValueKind.Number } e when e.TryGetDouble(out var d) && double.IsInteger(d) => throw ApiException.Invalid(name, $"'{name}' is out of range.", "invalid_value"),
        _ => throw WrongType(name, "an integer"),
    };

    public static bool? Boolean(JsonElement body, string name) => Get(body, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw WrongType(name, "a boolean"),
    };

    public static JsonElement? Get(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static ApiException WrongType(string name, string expected) =>
        ApiException.Invalid(name, $"'{name}' must be {expected}.", "invalid_type");

    // Form field readers for multipart endpoints.
    public static long? FormInteger(IFormCollection form, string name) =>
        !form.TryGetValue(name, out var v) || string.IsNullOrEmpty(v) ? null
        : long.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : throw WrongType(name, "an integer");

    public static double? FormNumber(IFormCollection form, string name) =>
        !form.TryGetValue(name, out var v) || string.IsNullOrEmpty(v) ? null
        : double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) ? n : throw WrongType(name, "a finite number");

    public static string? FormString(IFormCollection form, string name) =>
        form.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v.ToString() : null;
}
