"""The stand-in workshop application of the dev stack, where no pod runs (see ``apps``)."""
