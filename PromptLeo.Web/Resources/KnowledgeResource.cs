namespace PromptLeo.Web.Resources;

/// <summary>Marker for the knowledge pages' strings (Features/Knowledge). Keys are the English text.</summary>
public sealed class KnowledgeResource;
