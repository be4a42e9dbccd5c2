"""The service knowledge base: articles from the repository and operators, searched by BM25."""
