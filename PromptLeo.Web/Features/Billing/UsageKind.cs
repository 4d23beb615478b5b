namespace PromptLeo.Web.Features.Billing;

public enum UsageKind
{
    Chat,
    Image,
    Embedding,
}
