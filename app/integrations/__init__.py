"""Client-side integrations a customer's own Python services import (they talk to the portal over HTTP)."""
