namespace PromptLeo.Web.Features.ApiKeys;

/// <summary>A ready-to-run example for one client, shown in a tab under a new key.</summary>
public sealed record ApiKeySnippet(string Id, string Title, string Code);

/// <summary>Examples with the portal's <c>/v1</c> base URL and the new key filled in: curl and the OpenAI clients for Python and JavaScript.</summary>
public static class ApiKeySnippets
{
    /// <summary>The model id people replace with one from <c>GET /v1/models</c>.</summary>
    public const string ModelPlaceholder = "MODEL";

    public static IReadOnlyList<ApiKeySnippet> For(string baseUrl, string secret) =>
    [
        new("curl", "curl", $$"""
            curl {{baseUrl}}/chat/completions \
              -H "Authorization: Bearer {{secret}}" \
              -H "Content-Type: application/json" \
              -d '{"model": "{{ModelPlaceholder}}", "messages": [{"role": "user", "content": "Hi"}]}'
            """),
        new("python", "Python (openai)", $$"""
            from openai import OpenAI

            client = OpenAI(base_url="{{baseUrl}}", api_key="{{secret}}")
            reply = client.chat.completions.create(
                model="{{ModelPlaceholder}}",
                messages=[{"role": "user", "content": "Hi"}],
            )
            print(reply.choices[0].message.content)
            """),
        new("javascript", "JavaScript (openai)", $$"""
            import OpenAI from "openai";

            const client = new OpenAI({ baseURL: "{{baseUrl}}", apiKey: "{{secret}}" });
            const reply = await client.chat.completions.create({
              model: "{{ModelPlaceholder}}",
              messages: [{ role: "user", content: "Hi" }],
            });
            console.log(reply.choices[0].message.content);
            """),
    ];
}
