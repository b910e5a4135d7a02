"""Plain ``nn.Module`` builders for the samplers' networks."""
