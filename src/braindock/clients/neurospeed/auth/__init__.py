"""Authentication handlers: ``Auth_AS_User_Handler`` (user level) and ``Auth_AS_Customer_handler`` (customer)."""
