using PromptLeo.Inference.Llm.Structured;

namespace PromptLeo.Inference.Llm.Tools;

/// <summary>A request's tools in its model's family format: what the prompt shows and how the answer is parsed.</summary>
internal sealed record ToolPrompt(ToolCallFormat Format, IReadOnlyList<ToolDefinition> Definitions);

/// <summary>
/// Checks a request's tools and response format against its model, and builds the grammar that enforces them: a JSON
/// schema or JSON mode for <c>response_format</c>, one call of the allowed functions for <c>tool_choice</c>
/// <c>required</c> or a named function. Errors name the field as the OpenAI API spells it.
/// </summary>
internal static class OutputConstraints
{
    /// <summary>The tool prompt for the request (null when it neither offers tools nor carries tool turns).</summary>
    public static ToolPrompt? Prompt(ChatRequest request, string modelId, ToolCallFormat? format)
    {
        var toolTurn = request.Messages.Select((m, i) => (m, i)).FirstOrDefault(x => x.m.Role == ChatRole.Tool || x.m.ToolCalls.Count > 0);
        var offersTools = request.Tools.Count > 0 && request.ToolChoice.Mode != ToolChoiceMode.None;
        if (!offersTools && toolTurn.m is null)
            return null;
        if (format is null)
        {
            var field = offersTools ? "tools" : toolTurn.m.Role == ChatRole.Tool ? $"messages[{toolTurn.i}].role" : $"messages[{toolTurn.i}].tool_calls";
            throw new ChatRequestException(field,
                $"The model '{modelId}' has no tool-call format: its chat template is not one of the families with tool " +
                "support (Llama 3.1/3.2/3.3, Qwen2.5/Qwen3, Mistral v3).");
        }

        return new ToolPrompt(format, offersTools ? request.Tools : []);
    }

    /// <summary>The GBNF grammar for the request, or null when its output is free text.</summary>
    public static string? Grammar(ChatRequest request, ToolPrompt? tools)
    {
        var choice = request.ToolChoice;
        if (choice.Mode is ToolChoiceMode.Required or ToolChoiceMode.Function && request.Tools.Count == 0)
            throw new ChatRequestException("tool_choice", "tool_choice 'required' or a named function needs 'tools'.");
        if (choice.Mode == ToolChoiceMode.Function && request.Tools.All(t => t.Name != choice.FunctionName))
            throw new ChatRequestException("tool_choice.function.name", $"No tool named '{choice.FunctionName}' is in 'tools'.");
        if (request.ResponseFormat.Kind != ResponseFormatKind.Text && tools is { Definitions.Count: > 0 })
        {
            throw new ChatRequestException("response_format",
                "response_format json_object/json_schema cannot be combined with tools (unless tool_choice is 'none'): " +
                "the grammar of one would forbid the other.");
        }

        var builder = new GbnfGrammarBuilder();
        switch (request.ResponseFormat)
        {
            case { Kind: ResponseFormatKind.JsonObject }:
                return builder.Build(GbnfGrammarBuilder.AnyObjectRule);
            case { Kind: ResponseFormatKind.JsonSchema, Schema: { } schema }:
                return builder.Build(builder.AddSchema(schema, "response_format.json_schema.schema"));
        }

        if (tools is null || choice.Mode is ToolChoiceMode.Auto or ToolChoiceMode.None)
            return null;
        var calls = request.Tools
            .Select((tool, index) => (tool, index))
            .Where(t => choice.Mode == ToolChoiceMode.Required || t.tool.Name == choice.FunctionName)
            .Select(t => tools.Format.CallGrammar(t.tool.Name, t.tool.Parameters is { } parameters
                ? builder.AddSchema(parameters, $"tools[{t.index}].function.parameters")
                : "\"{\" ws \"}\""));
        return builder.Build(tools.Format.AnswerGrammar(string.Join(" | ", calls)));
    }
}
